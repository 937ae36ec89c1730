# Fixtures for the formula interface (factors, interactions, splines, na.omit, strata) and
# cox.zph per term (survival 3.5.3). Run from the repository root:
#   Rscript tests/epi/make_fixtures_formula.R
# Writes tests/epi/fixtures/fm_*.csv (17 significant digits).
suppressPackageStartupMessages({library(survival); library(splines)})
out <- "tests/epi/fixtures"
w17 <- function(x, name) {
  num <- vapply(x, is.double, logical(1))
  x[num] <- lapply(x[num], function(v) sprintf("%.17g", v))
  write.csv(x, file.path(out, name), row.names = FALSE, na = "")
}
cat("survival", as.character(packageVersion("survival")), "\n")

# lung as shipped: status 1/2 (2 = death) and missing values in ph.ecog, wt.loss, meal.cal
lung3 <- data.frame(time = lung$time, status = lung$status, age = lung$age, sex = lung$sex,
                    ph_ecog = lung$ph.ecog, wt_loss = lung$wt.loss, inst = lung$inst)
w17(lung3, "fm_lung.csv")
col <- colon[colon$etype == 2, c("id", "time", "status", "rx", "sex", "age", "differ",
                                 "extent", "nodes")]
col$rx <- as.character(col$rx)   # alphabetical levels, as a CSV reader sees them
w17(col, "fm_colon.csv")
col$rx <- factor(col$rx)

fits <- list(
  lung_factor = coxph(Surv(time, status) ~ age + factor(ph_ecog) + sex + wt_loss, data = lung3),
  lung_interaction = coxph(Surv(time, status) ~ age * sex + factor(ph_ecog), data = lung3),
  lung_spline = coxph(Surv(time, status) ~ bs(age, df = 4) + sex, data = lung3),
  colon_strata = coxph(Surv(time, status) ~ rx + sex + age + factor(differ) + strata(extent),
                       data = col),
  colon_cluster = coxph(Surv(time, status) ~ rx + nodes + cluster(id), data = col))
rows <- do.call(rbind, lapply(names(fits), function(nm) {
  f <- fits[[nm]]
  data.frame(case = nm, term = names(coef(f)), coef = unname(coef(f)),
             se = unname(sqrt(diag(f$var))), loglik = f$loglik[2], n = f$n,
             nevent = f$nevent, dropped = length(f$na.action))
}))
w17(rows, "fm_coef.csv")
zph <- do.call(rbind, lapply(c("lung_factor", "colon_strata"), function(nm) {
  z <- cox.zph(fits[[nm]])
  data.frame(case = nm, term = rownames(z$table), chisq = z$table[, "chisq"],
             df = z$table[, "df"], p = z$table[, "p"])
}))
w17(zph, "fm_zph.csv")
new <- data.frame(age = c(55, 70), sex = c(1, 2), ph_ecog = c(0, 2), wt_loss = c(5, 10))
w17(new, "fm_new.csv")
w17(data.frame(lp = predict(fits$lung_factor, newdata = new, type = "lp", reference = "sample"),
               lp_spline = predict(fits$lung_spline, newdata = new, reference = "sample")),
    "fm_predict.csv")
