"""Tests of sernn.jobs's job-process helpers (the steps themselves run in test_workflow.py)."""

from __future__ import annotations

import gc

from sernn import jobs


def test_job_process_pauses_collection_and_freezes_what_is_alive_at_the_end():
    assert gc.isenabled()
    frozen_before = gc.get_freeze_count()
    try:
        with jobs.job_process():
            assert not gc.isenabled()
            alive = [[i] for i in range(1000)]  # tracked containers, alive when the job ends
        assert gc.isenabled()  # switched back on, as it was
        assert gc.get_freeze_count() >= frozen_before + len(alive)
    finally:
        gc.unfreeze()
        gc.enable()


def test_job_process_leaves_collection_off_when_it_was_off():
    gc.disable()
    try:
        with jobs.job_process():
            pass
        assert not gc.isenabled()
    finally:
        gc.unfreeze()
        gc.enable()
