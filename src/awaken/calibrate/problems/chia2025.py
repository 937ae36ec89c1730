def chia2025(): raise NotImplementedError
