# Fixtures for Cox residuals, predictions, basehaz and survfit(coxph, newdata) (survival 3.5.3).
# Run from the repository root:  Rscript tests/epi/make_fixtures_coxpost.R
# Writes tests/epi/fixtures/cp_<case>_{data,rows,schoen,basehaz,survfit}.csv (17 digits).
suppressPackageStartupMessages(library(survival))
out <- "tests/epi/fixtures"
w17 <- function(x, name) {
  num <- vapply(x, is.double, logical(1))
  x[num] <- lapply(x[num], function(v) sprintf("%.17g", v))
  write.csv(x, file.path(out, name), row.names = FALSE, quote = FALSE, na = "NA")
}
cat("survival", as.character(packageVersion("survival")), "\n")

lung2 <- na.omit(data.frame(time = lung$time, status = lung$status - 1, age = lung$age,
                            sex = lung$sex, ph_ecog = lung$ph.ecog))
lung2$w <- 0.5 + (seq_len(nrow(lung2)) %% 5) / 4
vet <- veteran[, c("time", "status", "trt", "karno", "celltype")]
vet$celltype <- as.character(vet$celltype)
hrt <- heart[, c("start", "stop", "event", "age", "surgery", "transplant", "id")]
hrt$transplant <- as.integer(as.character(hrt$transplant))
ova <- ovarian[, c("futime", "fustat", "age", "rx")]

cases <- list(
  lung = list(data = lung2, fit = coxph(Surv(time, status) ~ age + sex + ph_ecog, data = lung2),
              new = data.frame(age = c(60, 70), sex = c(1, 2), ph_ecog = c(0, 2))),
  lungw = list(data = lung2, fit = coxph(Surv(time, status) ~ age + sex, data = lung2,
                                         weights = w),
               new = data.frame(age = c(55, 75), sex = c(2, 1))),
  vet = list(data = vet, fit = coxph(Surv(time, status) ~ karno + trt + strata(celltype),
                                     data = vet),
             new = data.frame(karno = c(40, 80), trt = c(1, 2),
                              celltype = c("large", "squamous"))),
  heart = list(data = hrt, fit = coxph(Surv(start, stop, event) ~ age + surgery + transplant,
                                       data = hrt, ties = "breslow"),
               new = data.frame(age = c(-5, 5), surgery = c(0, 1), transplant = c(1, 0))),
  lungoff = list(data = lung2, fit = coxph(Surv(time, status) ~ age + sex +
                                             offset(0.3 * ph_ecog), data = lung2),
                 new = data.frame(age = c(60, 70), sex = c(1, 2), ph_ecog = c(0, 2))),
  ovarian = list(data = ova, fit = coxph(Surv(futime, fustat) ~ age + rx, data = ova),
                 new = data.frame(age = c(50, 65), rx = c(1, 2))))

for (nm in names(cases)) {
  cs <- cases[[nm]]
  fit <- cs$fit
  w17(cs$data, sprintf("cp_%s_data.csv", nm))
  rows <- data.frame(martingale = residuals(fit, "martingale"),
                     deviance = residuals(fit, "deviance"),
                     lp = predict(fit, type = "lp"), risk = predict(fit, type = "risk"),
                     expected = predict(fit, type = "expected"))
  for (tp in c("score", "dfbeta", "dfbetas")) {
    r <- as.matrix(residuals(fit, tp))
    colnames(r) <- paste(tp, names(coef(fit)), sep = "_")
    rows <- cbind(rows, r)
  }
  rows$se_lp <- predict(fit, type = "lp", se.fit = TRUE)$se.fit
  rows$se_risk <- predict(fit, type = "risk", se.fit = TRUE)$se.fit
  w17(rows, sprintf("cp_%s_rows.csv", nm))
  sch <- as.matrix(residuals(fit, "schoenfeld"))
  ssc <- as.matrix(residuals(fit, "scaledsch"))
  colnames(sch) <- paste("schoenfeld", names(coef(fit)), sep = "_")
  colnames(ssc) <- paste("scaledsch", names(coef(fit)), sep = "_")
  w17(data.frame(time = as.numeric(rownames(residuals(fit, "schoenfeld", ))), sch, ssc,
                 check.names = FALSE), sprintf("cp_%s_schoen.csv", nm))
  bh <- basehaz(fit, centered = TRUE)
  bh0 <- basehaz(fit, centered = FALSE)
  b <- data.frame(time = bh$time, hazard = bh$hazard, hazard0 = bh0$hazard)
  if (!is.null(bh$strata)) b$strata <- as.character(bh$strata)
  w17(b, sprintf("cp_%s_basehaz.csv", nm))
  sf <- survfit(fit, newdata = cs$new)
  k <- nrow(cs$new)
  if (is.null(sf$strata)) {
    nt <- length(sf$time)
    s <- data.frame(curve = rep(seq_len(k) - 1, each = nt), time = rep(sf$time, k),
                    n_risk = rep(sf$n.risk, k), cumhaz = c(sf$cumhaz), surv = c(sf$surv),
                    std_err = c(sf$std.err), lower = c(sf$lower), upper = c(sf$upper))
  } else {  # one curve per newdata row, in its own stratum
    s <- do.call(rbind, lapply(seq_len(k), function(i) {
      z <- sf[i]
      data.frame(curve = i - 1, time = z$time, n_risk = z$n.risk, cumhaz = z$cumhaz,
                 surv = z$surv, std_err = z$std.err, lower = z$lower, upper = z$upper)
    }))
  }
  w17(s, sprintf("cp_%s_survfit.csv", nm))
  w17(cs$new, sprintf("cp_%s_new.csv", nm))
}
