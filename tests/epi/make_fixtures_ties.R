# Fixtures for R's timefix rule on the age scale with left truncation (survival 3.5.3).
# Run from the repository root:  Rscript tests/epi/make_fixtures_ties.R
# Writes tests/epi/fixtures/ties_*.csv; times are written with 17 significant digits so the
# round-off differences survive the round trip (write.csv keeps only 15).
suppressPackageStartupMessages(library(survival))
out <- "tests/epi/fixtures"
w17 <- function(x, name) {
  num <- vapply(x, is.double, logical(1))
  x[num] <- lapply(x[num], function(v) sprintf("%.17g", v))
  write.csv(x, file.path(out, name), row.names = FALSE, quote = FALSE)
}
cat("survival", as.character(packageVersion("survival")), "\n")

# Pairs of persons born on the same day and leaving follow-up on the same day, one by an
# event (age computed as age0 + days / 365.25) and one censored (computed as
# (age0 * 365.25 + days) / 365.25): the same age up to round-off. Entry is delayed (left
# truncation), on the age scale too; some entries coincide with other persons' exits.
set.seed(20261201)
npair <- 150
age0 <- 55 + round(runif(npair, 0, 25 * 365.25)) / 365.25      # age at diagnosis
entry_d <- round(runif(npair, 0, 400))
exit_d <- entry_d + 1 + round(rexp(npair, 1 / 700))
ev_age <- age0 + exit_d / 365.25
cens_age <- (age0 * 365.25 + exit_d) / 365.25
d <- data.frame(id = seq_len(2 * npair),
                entry = c(age0 + entry_d / 365.25, (age0 * 365.25 + entry_d) / 365.25),
                exit = c(ev_age, cens_age),
                status = c(rbinom(npair, 1, 0.8), rep(0, npair)),
                x = round(rnorm(2 * npair), 2))
d$cause <- ifelse(d$status == 1, 1 + rbinom(2 * npair, 1, 0.35), 0)
d$cause[d$status == 0 & seq_len(2 * npair) %% 7 == 0] <- 2    # some competing among the rest
d$status <- as.integer(d$cause == 1)
cat("pairs differing by round-off:", sum(ev_age != cens_age), "of", npair, "\n")
w17(d, "ties_age.csv")

km <- survfit(Surv(entry, exit, status) ~ 1, data = d)
w17(data.frame(time = km$time, n_risk = km$n.risk, n_event = km$n.event,
               n_censor = km$n.censor, surv = km$surv, std_err = km$std.err),
    "ties_km.csv")
aj <- survfit(Surv(entry, exit, factor(cause, 0:2)) ~ 1, data = d, id = id)
w17(data.frame(time = aj$time, p0 = aj$pstate[, 1], p1 = aj$pstate[, 2], p2 = aj$pstate[, 3],
               se1 = aj$std.err[, 2], se2 = aj$std.err[, 3]), "ties_aj.csv")
d$cf <- factor(d$cause, 0:2)
fg <- finegray(Surv(entry, exit, cf) ~ ., id = id, data = d[, c("id", "entry", "exit", "cf", "x")],
               etype = "1")
w17(fg[, c("id", "fgstart", "fgstop", "fgstatus", "fgwt")], "ties_fg_expanded.csv")
fgfit <- coxph(Surv(fgstart, fgstop, fgstatus) ~ x, weights = fgwt, cluster = id, data = fg)
cox <- coxph(Surv(entry, exit, status) ~ x, data = d)
w17(data.frame(model = c("finegray", "cox"), coef = c(coef(fgfit), coef(cox)),
               se = c(sqrt(fgfit$var[1, 1]), sqrt(cox$var[1, 1]))), "ties_coef.csv")
# R without timefix, to show the rule matters on these data
km0 <- survfit(Surv(entry, exit, status) ~ 1, data = d, timefix = FALSE)
cat("KM times with timefix:", length(km$time), "without:", length(km0$time), "\n")
