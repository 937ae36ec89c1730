# Fixtures for shared gamma frailty Cox models (coxph + frailty(), survival 3.5.3).
# Run from the repository root:  Rscript tests/epi/make_fixtures_frailty.R
# Writes tests/epi/fixtures/fr_*.csv (17 significant digits).
suppressPackageStartupMessages(library(survival))
out <- "tests/epi/fixtures"
w17 <- function(x, name) {
  num <- vapply(x, is.double, logical(1))
  x[num] <- lapply(x[num], function(v) sprintf("%.17g", v))
  write.csv(x, file.path(out, name), row.names = FALSE, na = "")
}
cat("survival", as.character(packageVersion("survival")), "\n")
rats2 <- rats[, c("litter", "rx", "time", "status")]
kid <- kidney[, c("id", "time", "status", "age", "sex")]
w17(rats2, "fr_rats.csv"); w17(kid, "fr_kidney.csv")
fits <- list(
  rats = coxph(Surv(time, status) ~ rx + frailty(litter, sparse = FALSE), data = rats2),
  rats_fixed = coxph(Surv(time, status) ~ rx + frailty(litter, theta = 0.5, sparse = FALSE),
                     data = rats2),
  kidney = coxph(Surv(time, status) ~ age + sex + frailty(id, sparse = FALSE), data = kid),
  kidney_breslow = coxph(Surv(time, status) ~ age + sex + frailty(id, theta = 1, sparse = FALSE),
                         data = kid, ties = "breslow"))
# R's estimated-theta fit returns its last inner iterate, which need not be converged (for
# kidney the I-likelihood is 2e-4 below the optimum at that theta): refit at the final theta
fits$kidney_at_theta <- coxph(Surv(time, status) ~ age + sex +
                                frailty(id, theta = fits$kidney$history[[1]]$theta,
                                        sparse = FALSE), data = kid)
fits$rats_at_theta <- coxph(Surv(time, status) ~ rx +
                              frailty(litter, theta = fits$rats$history[[1]]$theta,
                                      sparse = FALSE), data = rats2)
rows <- do.call(rbind, lapply(names(fits), function(nm) {
  f <- fits[[nm]]
  # covariates first, then the log-frailties (terms gamma:1, gamma:2, ...)
  data.frame(case = nm, term = names(f$coefficients), coef = unname(f$coefficients),
             se = sqrt(diag(f$var)), theta = f$history[[1]]$theta,
             i_loglik = f$history[[1]]$c.loglik, loglik = f$loglik[2], penalty = f$penalty[2])
}))
w17(rows, "fr_coef.csv")
