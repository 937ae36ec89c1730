#!/usr/bin/env Rscript
# Reference results for awaken.epi's Cox engine, computed with R's `survival`.
#
# Run from the repository root:   Rscript tests/epi/make_fixtures.R
# Writes tests/epi/fixtures/cox_*.csv (the data, exactly as fitted) and
# tests/epi/fixtures/cox_r_results.json (one entry per fit: the specification in awaken's terms
# and R's results). The data sets all ship with `survival`. Each fit is run on the CSV as read
# back by R, so that R and awaken see the very same numbers.
suppressPackageStartupMessages(library(survival))

out_dir <- file.path("tests", "epi", "fixtures")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

## ---- a minimal JSON writer (no dependency beyond base R) ---------------------------------
jarr <- function(x) structure(list(x), class = "jarray")  # force a JSON array
to_json <- function(x, indent = 0) {
  pad <- strrep("  ", indent + 1)
  end <- strrep("  ", indent)
  num <- function(v) ifelse(is.na(v), "null", sprintf("%.17g", v))
  if (is.null(x)) return("null")
  if (inherits(x, "jarray")) {
    v <- x[[1]]
    items <- if (is.character(v)) sprintf("\"%s\"", v) else if (is.logical(v))
      tolower(as.character(v)) else num(v)
    return(paste0("[", paste(items, collapse = ", "), "]"))
  }
  if (is.list(x)) {
    if (length(x) == 0) return(if (is.null(names(x))) "[]" else "{}")
    body <- vapply(seq_along(x), function(i) to_json(x[[i]], indent + 1), "")
    if (is.null(names(x))) {
      return(paste0("[\n", paste0(pad, body, collapse = ",\n"), "\n", end, "]"))
    }
    keys <- sprintf("\"%s\"", names(x))
    return(paste0("{\n", paste0(pad, keys, ": ", body, collapse = ",\n"), "\n", end, "}"))
  }
  if (is.character(x)) return(sprintf("\"%s\"", x))
  if (is.logical(x)) return(tolower(as.character(x)))
  num(x)
}

## ---- data sets ------------------------------------------------------------------------------
write_back <- function(frame, name) {
  path <- file.path(out_dir, paste0("cox_", name, ".csv"))
  write.csv(frame, path, row.names = FALSE)
  read.csv(path, stringsAsFactors = FALSE)
}

lung2 <- lung[complete.cases(lung[, c("time", "status", "age", "sex", "ph.ecog")]),
              c("time", "status", "age", "sex", "ph.ecog")]
lung2$status <- lung2$status - 1L                         # 1/2 -> 0/1
idx <- seq_len(nrow(lung2))
lung2$w_int <- 1 + (idx %% 3)                             # integer case weights
lung2$w_frac <- 0.5 + (idx %% 4) / 4                      # non-integer weights
lung2$off <- ((idx * 37) %% 11) / 10                      # an arbitrary offset
lung2 <- write_back(lung2, "lung")

heart2 <- heart[, c("start", "stop", "event", "age", "year", "surgery", "transplant", "id")]
heart2$transplant <- as.integer(as.character(heart2$transplant))
heart2 <- write_back(heart2, "heart")

vet2 <- veteran[, c("time", "status", "trt", "karno", "diagtime", "age", "prior", "celltype")]
vet2$celltype <- as.character(vet2$celltype)
vet2 <- write_back(vet2, "veteran")

cgd2 <- data.frame(id = cgd$id, tstart = cgd$tstart, tstop = cgd$tstop, status = cgd$status,
                   treat = as.integer(cgd$treat == "rIFN-g"), age = cgd$age,
                   inherit = as.integer(cgd$inherit == "autosomal"), steroids = cgd$steroids,
                   hos_cat = as.character(cgd$hos.cat))
cgd2 <- write_back(cgd2, "cgd")

rats2 <- rats[rats$sex == "f", c("litter", "rx", "time", "status")]
rats2 <- write_back(rats2, "rats")

# Synthetic counting-process data: integer times (many ties), a time-varying exposure that
# switches on during follow-up, two strata, non-integer weights, an offset, clusters = subjects.
set.seed(20250101)
nsub <- 300
rows <- list()
for (i in seq_len(nsub)) {
  x1 <- round(rnorm(1), 2)
  x2 <- rbinom(1, 1, 0.4)
  grp <- sample(c("a", "b"), 1)
  w <- round(runif(1, 0.5, 2), 2)
  off <- round(rnorm(1, sd = 0.2), 3)
  fu <- sample(5:60, 1)
  ev <- rbinom(1, 1, 0.6)
  sw <- if (runif(1) < 0.5) sample(1:(fu - 1), 1) else NA
  if (is.na(sw)) {
    rows[[i]] <- data.frame(id = i, start = 0, stop = fu, event = ev, x1 = x1, x2 = x2,
                            exposed = 0, grp = grp, w = w, off = off)
  } else {
    rows[[i]] <- data.frame(id = i, start = c(0, sw), stop = c(sw, fu), event = c(0, ev),
                            x1 = x1, x2 = x2, exposed = c(0, 1), grp = grp, w = w, off = off)
  }
}
synth <- do.call(rbind, rows)
synth <- write_back(synth, "synth")

# Monotone likelihood: no events at all in group g = 1 (R warns: coefficient may be infinite).
set.seed(7)
mono <- data.frame(t0 = 0, time = round(rexp(60), 2) + 0.01, g = rep(0:1, each = 30),
                   x = round(rnorm(60), 2))
mono$status <- ifelse(mono$g == 1, 0L, rbinom(60, 1, 0.8))
mono <- write_back(mono, "monotone")

## ---- fits ----------------------------------------------------------------------------------
datasets <- list(lung = lung2, heart = heart2, veteran = vet2, cgd = cgd2, rats = rats2,
                 synth = synth, monotone = mono)

fit_case <- function(name, data, stop, event, covariates, start = NULL, strata = NULL,
                     weights = NULL, offset = NULL, cluster = NULL, ties = "efron",
                     robust = NULL, zph = character(0), max_iter = 20) {
  d <- datasets[[data]]
  lhs <- if (is.null(start)) sprintf("Surv(%s, %s)", stop, event) else
    sprintf("Surv(%s, %s, %s)", start, stop, event)
  rhs <- covariates
  if (!is.null(strata)) rhs <- c(rhs, sprintf("strata(%s)", strata))
  if (!is.null(offset)) rhs <- c(rhs, sprintf("offset(%s)", offset))
  form <- as.formula(paste(lhs, "~", paste(rhs, collapse = " + ")))
  args <- list(formula = form, data = d, ties = ties,
               control = coxph.control(iter.max = max_iter))
  if (!is.null(weights)) args$weights <- d[[weights]]
  if (!is.null(cluster)) args$cluster <- d[[cluster]]
  if (!is.null(robust)) args$robust <- robust
  warn <- character(0)
  fit <- withCallingHandlers(do.call(coxph, args), warning = function(w) {
    warn <<- c(warn, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  is_robust <- !is.null(fit$naive.var)
  res <- list(
    name = name, data = data,
    spec = list(stop = stop, event = event, covariates = jarr(covariates), start = start,
                strata = strata, weights = weights, offset = offset, cluster = cluster,
                ties = ties, robust = robust, max_iter = max_iter),
    formula = paste(deparse(form), collapse = ""),
    coef = jarr(unname(coef(fit))),
    se = jarr(unname(sqrt(diag(fit$var)))),
    naive_se = if (is_robust) jarr(unname(sqrt(diag(fit$naive.var)))) else NULL,
    var = jarr(as.vector(fit$var)),
    robust = is_robust,
    loglik = jarr(fit$loglik),
    concordance = unname(fit$concordance["concordance"]),
    n = fit$n, nevent = fit$nevent, iter = fit$iter,
    warnings = jarr(warn)
  )
  if (length(zph)) {  # cox.zph tables, one per transform
    res$zph <- lapply(setNames(zph, zph), function(tr) {
      z <- cox.zph(fit, transform = tr)
      list(terms = jarr(rownames(z$table)), chisq = jarr(unname(z$table[, "chisq"])),
           df = jarr(unname(z$table[, "df"])), p = jarr(unname(z$table[, "p"])))
    })
  }
  res
}

cases <- list(
  fit_case("lung_efron", "lung", "time", "status", c("age", "sex", "ph.ecog"),
           zph = c("km", "identity", "rank", "log")),
  fit_case("lung_breslow", "lung", "time", "status", c("age", "sex", "ph.ecog"),
           ties = "breslow", zph = "km"),
  fit_case("heart_efron", "heart", "stop", "event", c("age", "year", "surgery", "transplant"),
           start = "start", zph = c("km", "identity", "rank")),
  fit_case("heart_breslow", "heart", "stop", "event",
           c("age", "year", "surgery", "transplant"), start = "start", ties = "breslow",
           zph = "km"),
  fit_case("heart_cluster", "heart", "stop", "event",
           c("age", "year", "surgery", "transplant"), start = "start", cluster = "id"),
  fit_case("veteran_strata", "veteran", "time", "status",
           c("trt", "karno", "diagtime", "age", "prior"), strata = "celltype", zph = "km"),
  fit_case("cgd_strata_cluster", "cgd", "tstop", "status",
           c("treat", "age", "inherit", "steroids"), start = "tstart", strata = "hos_cat",
           cluster = "id", zph = "km"),
  fit_case("lung_weights_int", "lung", "time", "status", c("age", "sex", "ph.ecog"),
           weights = "w_int"),
  fit_case("lung_weights_frac", "lung", "time", "status", c("age", "sex", "ph.ecog"),
           weights = "w_frac"),
  fit_case("lung_offset", "lung", "time", "status", c("sex", "ph.ecog"), offset = "off"),
  fit_case("lung_robust", "lung", "time", "status", c("age", "sex", "ph.ecog"), robust = TRUE),
  fit_case("rats_cluster", "rats", "time", "status", c("rx"), cluster = "litter"),
  fit_case("synth_efron_all", "synth", "stop", "event", c("x1", "x2", "exposed"),
           start = "start", strata = "grp", weights = "w", offset = "off", cluster = "id",
           zph = "km"),
  fit_case("synth_breslow_all", "synth", "stop", "event", c("x1", "x2", "exposed"),
           start = "start", strata = "grp", weights = "w", offset = "off", cluster = "id",
           ties = "breslow"),
  fit_case("synth_efron", "synth", "stop", "event", c("x1", "x2", "exposed"),
           start = "start", zph = "km"),
  # iterations cut short: the path of the iterations must be R's, not only the optimum
  fit_case("lung_iter2", "lung", "time", "status", c("age", "sex", "ph.ecog"), max_iter = 2),
  fit_case("heart_iter2", "heart", "stop", "event", c("age", "year", "surgery", "transplant"),
           start = "start", max_iter = 2),
  # monotone likelihood, right-censored (coxfit6) and counting-process (agfit4) code paths
  fit_case("monotone", "monotone", "time", "status", c("g", "x")),
  fit_case("monotone_counting", "monotone", "time", "status", c("g", "x"), start = "t0")
)
names(cases) <- vapply(cases, function(x) x$name, "")

meta <- list(R = R.version.string, survival = as.character(packageVersion("survival")))
writeLines(to_json(list(meta = meta, cases = cases)), file.path(out_dir, "cox_r_results.json"))
cat("wrote", length(cases), "cases to", out_dir, "\n")
