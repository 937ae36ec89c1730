"""Cohort microsimulation: cancer survivors through virus seasons, testing and vaccination."""
