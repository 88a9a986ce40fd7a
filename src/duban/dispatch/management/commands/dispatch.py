"""``duban dispatch``: train, evaluate and cross-validate the dispatch classifier,
evaluate duplicate detection and check replies — all on CSV files."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from duban.dispatch import classifier, evaluation
from duban.dispatch.csvio import CsvInputError, parse_columns
from duban.dispatch.datasets import DEFAULT_LABEL_COL, load_labelled
from duban.dispatch.reporting import format_report


def _err(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class Command(BaseCommand):
    help = "分拨文本智能 / dispatch text intelligence: train | evaluate | cv | duplicates-eval | replycheck"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)

        p = sub.add_parser("train", help="train a model from a labelled CSV")
        p.add_argument("--csv", help="labelled CSV (columns: text columns + label)")
        p.add_argument(
            "--from-tickets",
            action="store_true",
            help="train from the district's closed tickets: the unit that finally handled each is its label",
        )
        p.add_argument(
            "--limit", type=int, default=20000, help="with --from-tickets: newest N closed tickets"
        )
        p.add_argument("--text-cols", default="title,text")
        p.add_argument("--label-col", default=DEFAULT_LABEL_COL)
        p.add_argument(
            "--out", help="model file to write (default with --from-tickets: the installed model)"
        )

        p = sub.add_parser("evaluate", help="evaluate a model on a labelled CSV")
        p.add_argument("--model", required=True)
        p.add_argument("--csv", required=True)
        p.add_argument("--text-cols", default="title,text")
        p.add_argument("--label-col", default=DEFAULT_LABEL_COL)
        p.add_argument("--json", action="store_true")

        p = sub.add_parser("cv", help="stratified k-fold cross-validation on a labelled CSV")
        p.add_argument("--csv", required=True)
        p.add_argument("--folds", type=int, default=5)
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--text-cols", default="title,text")
        p.add_argument("--label-col", default=DEFAULT_LABEL_COL)
        p.add_argument("--json", action="store_true")

        p = sub.add_parser("duplicates-eval", help="evaluate near-duplicate / repeat detection")
        p.add_argument("--csv", required=True)
        p.add_argument("--threshold", type=float, default=None)
        p.add_argument("--window-days", type=float, default=None)
        p.add_argument("--json", action="store_true")

        p = sub.add_parser("replycheck", help="score government replies against their appeals")
        p.add_argument("--csv", required=True)
        p.add_argument("--examples", type=int, default=5)
        p.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        action = opts["action"].replace("-", "_")
        try:
            return getattr(self, f"_{action}")(opts)
        except (CsvInputError, classifier.ModelFileError, classifier.ClassifierError) as exc:
            raise CommandError(str(exc)) from None
        except MemoryError:
            raise CommandError("内存不足 / out of memory (input too large)") from None

    # -- train -----------------------------------------------------------------
    def _train(self, opts):
        if opts["from_tickets"]:
            from duban.dispatch.selectors import model_path, ticket_training_pairs

            docs, labels = ticket_training_pairs(limit=opts["limit"])
            if len(set(labels)) < 2:
                raise CommandError(
                    f"已办结工单不足以训练（{len(docs)} 件，{len(set(labels))} 个单位） / "
                    "not enough closed tickets to train: need at least two units"
                )
            opts["out"] = opts["out"] or str(model_path())
            opts["text_cols"] = "title,content"
        else:
            if not opts["csv"]:
                raise CommandError(
                    "需要 --csv 或 --from-tickets / --csv PATH or --from-tickets is required"
                )
            if not opts["out"]:
                raise CommandError("需要 --out / --out MODEL is required")
            _ids, docs, labels = load_labelled(
                opts["csv"], text_cols=parse_columns(opts["text_cols"]), label_col=opts["label_col"]
            )
        _err(f"training on {len(docs)} rows, {len(set(labels))} labels")
        t0 = time.perf_counter()
        model = classifier.train_from_pairs(docs, labels, progress=lambda m: _err(f"  {m}"))
        seconds = time.perf_counter() - t0
        model.meta["train_seconds"] = round(seconds, 1)
        model.meta["text_cols"] = parse_columns(opts["text_cols"])
        size = classifier.save_model(model, opts["out"])
        self.stdout.write(
            f"模型已保存 / model saved: {opts['out']} ({size} bytes), "
            f"trained in {seconds:.1f} s on {len(docs)} rows, labels: {', '.join(model.classes_)}"
        )

    # -- evaluate ----------------------------------------------------------------
    def _evaluate(self, opts):
        model = classifier.load_model(opts["model"])
        _ids, docs, labels = load_labelled(
            opts["csv"], text_cols=parse_columns(opts["text_cols"]), label_col=opts["label_col"]
        )
        unknown = sorted(set(labels) - set(model.classes_))
        if unknown:
            raise CommandError(
                f"未知标签 / labels not known to the model: {', '.join(unknown)} "
                f"(model labels: {', '.join(model.classes_)})"
            )
        _err(f"predicting {len(docs)} rows")
        proba = model.predict_proba(docs)
        pred = model.classes_[proba.argmax(1)]
        report = evaluation.classification_report(labels, pred, proba.max(1), list(model.classes_))
        _err("measuring single-core throughput")
        evaluation.single_core()
        report.update(evaluation.measure_throughput(model.predict, docs[:2000]))
        report["model_bytes"] = Path(opts["model"]).stat().st_size
        report["train_seconds"] = model.meta.get("train_seconds")
        self._output(report, opts["json"], "evaluate")

    # -- cv ------------------------------------------------------------------------
    def _cv(self, opts):
        if opts["folds"] < 2:
            raise CommandError("--folds 至少为 2 / must be at least 2")
        _ids, docs, labels = load_labelled(
            opts["csv"], text_cols=parse_columns(opts["text_cols"]), label_col=opts["label_col"]
        )
        counts = {lab: labels.count(lab) for lab in set(labels)}
        too_few = [f"{k} ({v})" for k, v in counts.items() if v < opts["folds"]]
        if too_few:
            raise CommandError(
                f"类别样本少于折数 / labels with fewer rows than --folds: {', '.join(too_few)}"
            )
        from tqdm import tqdm

        bar = tqdm(total=opts["folds"], desc="cv folds", file=sys.stderr)

        def progress(done, total):
            bar.update(1)

        t0 = time.perf_counter()
        report = evaluation.cross_validate(
            docs,
            labels,
            fit=classifier.train_from_pairs,
            folds=opts["folds"],
            seed=opts["seed"],
            progress=progress,
        )
        bar.close()
        report["cv_seconds"] = round(time.perf_counter() - t0, 1)
        self._output(report, opts["json"], "cv")

    # -- duplicates / replies -------------------------------------------------------
    def _duplicates_eval(self, opts):
        from duban.dispatch import duplicates

        _err("finding near-duplicate pairs")
        report = duplicates.evaluate_csv(
            opts["csv"], threshold=opts["threshold"], window_days=opts["window_days"]
        )
        self._output(report, opts["json"], "duplicates")

    def _replycheck(self, opts):
        from duban.dispatch import replycheck

        _err("scoring replies")
        report = replycheck.check_csv(opts["csv"], examples=opts["examples"])
        self._output(report, opts["json"], "replycheck")

    def _output(self, report, as_json, kind):
        if as_json:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
        else:
            self.stdout.write(format_report(report, kind))
