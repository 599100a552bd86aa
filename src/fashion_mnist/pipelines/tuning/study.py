"""The study: its storage (a journal file or a database), sampler and pruner."""

from __future__ import annotations

import logging
from pathlib import Path

import optuna
from optuna.storages import (
    JournalStorage,
    RDBStorage,
    RetryHeartbeatStaleTrialCallback,
)
from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock
from optuna.trial import TrialState

from .params import TuningParams

logger = logging.getLogger(__name__)

MONITOR = "val_accuracy"  # what each epoch reports to the pruner

# A trial whose process died (killed, machine lost) stops beating; after the
# grace period another worker marks it failed and runs its parameters again.
HEARTBEAT_SECONDS = 60
GRACE_SECONDS = 180


class TuningError(RuntimeError):
    """Raised before any training when the study cannot be opened."""


def _hidden_password(url: str) -> str:
    try:
        from sqlalchemy.engine import make_url  # noqa: PLC0415

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not even a URL: show it as it was written
        return url


def open_storage(url: str | None, journal: Path) -> optuna.storages.BaseStorage:
    """The journal file (``url`` None), or the database at ``url``."""
    if url is None:
        journal.parent.mkdir(parents=True, exist_ok=True)
        return JournalStorage(
            JournalFileBackend(str(journal), lock_obj=JournalFileOpenLock(str(journal)))
        )
    if "://" not in url:
        raise TuningError(
            f"tuning.storage: {url!r} is not a database URL. Use null for the "
            "project's journal file (several processes on one machine), or a URL "
            "such as postgresql+psycopg://user:password@host:5432/optuna."
        )
    if url.startswith("sqlite"):
        logger.warning(
            "tuning.storage is SQLite: fine for one process; Optuna advises against "
            "it for several. Use null (a journal file) or PostgreSQL for those."
        )
    engine_kwargs = (
        {"connect_args": {"connect_timeout": 10}} if "postgres" in url else {}
    )
    try:
        return RDBStorage(
            url,
            engine_kwargs=engine_kwargs,
            heartbeat_interval=HEARTBEAT_SECONDS,
            grace_period=GRACE_SECONDS,
            heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(
                max_retry=1
            ),
        )
    except Exception as exc:
        reason = (
            str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        )
        raise TuningError(
            f"tuning.storage: cannot open the study's database "
            f"{_hidden_password(url)}: {reason}. Check the URL (e.g. "
            "postgresql+psycopg://user:password@host:5432/optuna) and that the "
            "server answers; null keeps the study in the project's journal file."
        ) from None


def make_sampler(tuning: TuningParams) -> optuna.samplers.BaseSampler:
    if tuning.sampler.type == "random":
        return optuna.samplers.RandomSampler(seed=tuning.sampler.seed)
    return optuna.samplers.TPESampler(seed=tuning.sampler.seed)


def make_pruner(tuning: TuningParams) -> optuna.pruners.BasePruner:
    if tuning.pruner.type == "none":
        return optuna.pruners.NopPruner()
    return optuna.pruners.MedianPruner(
        n_startup_trials=tuning.pruner.n_startup_trials,
        n_warmup_steps=tuning.pruner.n_warmup_steps,
    )


def open_study(journal: Path, tuning: TuningParams) -> optuna.Study:
    """Open the study ``tuning.study_name`` in its storage, creating it the
    first time: a later run, or another process, continues the same study."""
    storage = open_storage(tuning.storage, journal)
    study = optuna.create_study(
        storage=storage,
        study_name=tuning.study_name,
        direction="maximize",
        sampler=make_sampler(tuning),
        pruner=make_pruner(tuning),
        load_if_exists=True,
    )
    where = journal if tuning.storage is None else _hidden_password(tuning.storage)
    finished = [t for t in study.trials if t.state == TrialState.COMPLETE]
    logger.info(
        "Study %r in %s: %d trial(s) so far%s",
        tuning.study_name,
        where,
        len(study.trials),
        f", the best {study.best_value:.4f} (trial {study.best_trial.number})"
        if finished
        else "",
    )
    return study


def sampler_for(tuning: TuningParams, offset: int) -> optuna.samplers.BaseSampler:
    """The sampler of a trial process: seeded with the sampler's seed plus the
    number of trials before it, so each process draws anew, reproducibly."""
    seed = None if tuning.sampler.seed is None else tuning.sampler.seed + offset
    return make_sampler(
        tuning.model_copy(
            update={"sampler": tuning.sampler.model_copy(update={"seed": seed})}
        )
    )
