# Fixtures for parametric survival regression (survreg, survival 3.5.3).
# Run from the repository root:  Rscript tests/epi/make_fixtures_survreg.R
# Writes tests/epi/fixtures/sr_*.csv (17 significant digits).
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
lung2$w <- 0.5 + (seq_len(nrow(lung2)) %% 5) / 4
w17(lung2, "sr_lung.csv")
vet <- veteran[, c("time", "status", "trt", "karno", "age")]
w17(vet, "sr_veteran.csv")
ova <- ovarian[, c("futime", "fustat", "age", "rx")]
w17(ova, "sr_ovarian.csv")
fits <- list()
for (d in c("weibull", "exponential", "lognormal", "loglogistic")) {
  fits[[paste0("lung_", d)]] <- survreg(Surv(time, status) ~ age + sex + ph_ecog, data = lung2,
                                        dist = d)
  fits[[paste0("vet_", d)]] <- survreg(Surv(time, status) ~ karno + trt, data = vet, dist = d)
}
fits$ovarian_weibull <- survreg(Surv(futime, fustat) ~ age + rx, data = ova)
fits$lung_weibull_w <- survreg(Surv(time, status) ~ age + sex, data = lung2, weights = w)
# lung as shipped (status 1/2, missing ph.ecog): the formula path (factor, na.omit)
lung3 <- data.frame(time = lung$time, status = lung$status, age = lung$age, sex = lung$sex,
                    ph_ecog = lung$ph.ecog, wt_loss = lung$wt.loss, inst = lung$inst)
fits$lung_factor_lognormal <- survreg(Surv(time, status) ~ age + factor(ph_ecog), data = lung3,
                                      dist = "lognormal")
rows <- do.call(rbind, lapply(names(fits), function(nm) {
  f <- fits[[nm]]
  se <- sqrt(diag(f$var))
  names(se) <- c(names(coef(f)), if (ncol(f$var) > length(coef(f))) "Log(scale)")
  data.frame(case = nm, term = names(se), value = c(coef(f), log(f$scale))[seq_along(se)],
             se = unname(se), scale = f$scale, loglik0 = f$loglik[1], loglik = f$loglik[2])
}))
w17(rows, "sr_coef.csv")
