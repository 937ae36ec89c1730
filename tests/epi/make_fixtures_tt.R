# Fixtures for time-transformed covariates (coxph with tt(), survival 3.5.3).
# Run from the repository root:  Rscript tests/epi/make_fixtures_tt.R
# Writes tests/epi/fixtures/tt_*.csv (17 significant digits).
suppressPackageStartupMessages(library(survival))
out <- "tests/epi/fixtures"
w17 <- function(x, name) {
  num <- vapply(x, is.double, logical(1))
  x[num] <- lapply(x[num], function(v) sprintf("%.17g", v))
  write.csv(x, file.path(out, name), row.names = FALSE, na = "")
}
cat("survival", as.character(packageVersion("survival")), "\n")
lung2 <- na.omit(data.frame(time = lung$time, status = lung$status - 1, age = lung$age,
                            sex = lung$sex, ph_ecog = lung$ph.ecog))
vet <- veteran[, c("time", "status", "trt", "karno", "celltype")]
vet$celltype <- as.character(vet$celltype)
hrt <- heart[, c("start", "stop", "event", "age", "surgery", "transplant")]
hrt$transplant <- as.integer(as.character(hrt$transplant))
w17(lung2, "tt_lung.csv"); w17(vet, "tt_veteran.csv"); w17(hrt, "tt_heart.csv")
fits <- list(
  lung = coxph(Surv(time, status) ~ age + sex + tt(age), data = lung2,
               tt = function(x, t, ...) x * log(t)),
  vet_strata = coxph(Surv(time, status) ~ karno + trt + tt(karno) + strata(celltype),
                     data = vet, tt = function(x, t, ...) x * log(t + 20)),
  heart_breslow = coxph(Surv(start, stop, event) ~ age + surgery + transplant + tt(age),
                        data = hrt, ties = "breslow", tt = function(x, t, ...) x * t / 365))
rows <- do.call(rbind, lapply(names(fits), function(nm) {
  f <- fits[[nm]]
  data.frame(case = nm, term = names(coef(f)), coef = unname(coef(f)),
             se = unname(sqrt(diag(f$var))), loglik = f$loglik[2])
}))
w17(rows, "tt_coef.csv")
