# Fixtures for survdiff, Kaplan-Meier by group, quantiles, restricted mean and weighted curves
# (survival 3.5.3). Run from the repository root:  Rscript tests/epi/make_fixtures_km.R
# Writes tests/epi/fixtures/km_*.csv (17 significant digits); the tests need no R.
suppressPackageStartupMessages(library(survival))
out <- "tests/epi/fixtures"
w17 <- function(x, name) {
  num <- vapply(x, is.double, logical(1))
  x[num] <- lapply(x[num], function(v) sprintf("%.17g", v))
  write.csv(x, file.path(out, name), row.names = FALSE, quote = FALSE, na = "NA")
}
cat("survival", as.character(packageVersion("survival")), "\n")

lung2 <- data.frame(time = lung$time, status = lung$status - 1, sex = lung$sex,
                    ph_ecog = lung$ph.ecog, age = lung$age)
lung2 <- lung2[!is.na(lung2$ph_ecog), ]
lung2$w <- 0.5 + (seq_len(nrow(lung2)) %% 5) / 4          # non-integer case weights
w17(lung2, "km_lung.csv")
vet <- veteran
w17(vet[, c("time", "status", "trt", "celltype", "karno", "age")], "km_veteran.csv")

## ---- survdiff --------------------------------------------------------------------------
sd_rows <- function(fit, case) {
  o <- if (is.matrix(fit$obs)) rowSums(fit$obs) else fit$obs
  e <- if (is.matrix(fit$exp)) rowSums(fit$exp) else fit$exp
  data.frame(case = case, group = sub(".*=", "", names(fit$n)), n = as.integer(fit$n),
             observed = o, expected = e, var_diag = diag(fit$var), chisq = fit$chisq,
             df = sum(e > 0) - 1, p = fit$pvalue)
}
sd <- rbind(
  sd_rows(survdiff(Surv(time, status) ~ sex, data = lung2), "lung_sex"),
  sd_rows(survdiff(Surv(time, status) ~ sex, data = lung2, rho = 1), "lung_sex_rho1"),
  sd_rows(survdiff(Surv(time, status) ~ ph_ecog, data = lung2, rho = 0.5), "lung_ecog_rho05"),
  sd_rows(survdiff(Surv(time, status) ~ sex + strata(ph_ecog), data = lung2), "lung_sex_strata"),
  sd_rows(survdiff(Surv(time, status) ~ trt + strata(celltype), data = vet), "vet_trt_strata"),
  sd_rows(survdiff(Surv(futime, fustat) ~ rx, data = ovarian), "ovarian_rx"))
w17(sd, "km_survdiff.csv")
w17(ovarian[, c("futime", "fustat", "rx", "age")], "km_ovarian.csv")

## ---- Kaplan-Meier by group, quantiles, restricted mean -----------------------------------
fit <- survfit(Surv(time, status) ~ sex, data = lung2)
grp <- rep(c(1, 2), fit$strata)
w17(data.frame(group = grp, time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event,
               n_censor = fit$n.censor, surv = fit$surv, std_err = fit$std.err,
               lower = fit$lower, upper = fit$upper), "km_bysex.csv")
qrow <- function(q, case, groups) {
  data.frame(case = case, group = rep(groups, ncol(q$quantile)),
             prob = rep(as.numeric(colnames(q$quantile)) / 100, each = length(groups)),
             quantile = c(q$quantile), lower = c(q$lower), upper = c(q$upper))
}
probs <- c(0.1, 0.25, 0.5, 0.75)
qs <- rbind(qrow(quantile(fit, probs), "lung_sex", c(1, 2)),
            qrow(quantile(survfit(Surv(time, status) ~ sex, data = lung2, conf.type = "log-log"),
                          probs), "lung_sex_loglog", c(1, 2)),
            qrow(quantile(survfit(Surv(futime, fustat) ~ rx, data = ovarian), probs),
                 "ovarian_rx", c(1, 2)),
            qrow(quantile(survfit(Surv(time, status) ~ trt, data = vet), probs),
                 "vet_trt", c(1, 2)))
w17(qs, "km_quantiles.csv")
rm_rows <- function(fit, tau, case) {
  tab <- summary(fit, rmean = tau)$table
  data.frame(case = case, group = c(1, 2), tau = if (is.numeric(tau)) tau else NA,
             rmean = tab[, "rmean"], se = tab[, "se(rmean)"], median = tab[, "median"])
}
rmst <- rbind(rm_rows(fit, 365, "lung_sex_365"), rm_rows(fit, 800, "lung_sex_800"),
              rm_rows(survfit(Surv(time, status) ~ trt, data = vet), 200, "vet_trt_200"))
w17(rmst, "km_rmst.csv")

## ---- weighted curves (robust variance) ---------------------------------------------------
wk <- survfit(Surv(time, status) ~ 1, data = lung2, weights = w)
w17(data.frame(time = wk$time, n_risk = wk$n.risk, n_event = wk$n.event, surv = wk$surv,
               std_err = wk$std.err, lower = wk$lower, upper = wk$upper), "km_weighted.csv")
m2 <- mgus2
m2$etime <- with(m2, ifelse(pstat == 0, futime, ptime))
m2$event <- with(m2, ifelse(pstat == 0, 2 * death, 1))
m2$w <- 0.25 + (m2$id %% 7) / 3
w17(m2[, c("id", "etime", "event", "w")], "km_mgus2w.csv")
aw <- survfit(Surv(etime, factor(event, 0:2)) ~ 1, data = m2, weights = w)
w17(data.frame(time = aw$time, n_risk = aw$n.risk[, 1], p0 = aw$pstate[, 1],
               p1 = aw$pstate[, 2], p2 = aw$pstate[, 3], se0 = aw$std.err[, 1],
               se1 = aw$std.err[, 2], se2 = aw$std.err[, 3]), "km_aj_weighted.csv")
