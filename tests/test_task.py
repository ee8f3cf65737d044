"""The maze task against hand-written expectations of the notebook's 8 problems."""

import numpy as np
import pytest

from sernn import task

# Problems 0-7 written out by hand from the notebook's mazeGeneratorI dictionary:
# goal, offered directions, answer.  Goal inputs: 7 -> 0, 9 -> 1, 17 -> 2, 19 -> 3.
# Direction inputs/outputs: l -> 0, u -> 1, r -> 2, d -> 3.
HAND = [
    (9, "ul", "u"),
    (9, "rd", "r"),
    (19, "ld", "d"),
    (17, "rd", "d"),
    (17, "ul", "l"),
    (7, "ur", "u"),
    (19, "lr", "r"),
    (7, "lr", "l"),
]
GOAL_INPUT = {7: 0, 9: 1, 17: 2, 19: 3}
DIR = {"l": 0, "u": 1, "r": 2, "d": 3}


def test_templates_match_hand_written_problems():
    x = task.problem_templates(20, 10, 20)
    assert x.shape == (8, 50, 8) and x.dtype == np.float32
    for p, (goal, choices, _) in enumerate(HAND):
        goal_vec = np.zeros(8)
        goal_vec[GOAL_INPUT[goal]] = 1
        choice_vec = np.zeros(8)
        for c in choices:
            choice_vec[4 + DIR[c]] = 1
        np.testing.assert_array_equal(x[p, :20], np.tile(goal_vec, (20, 1)))
        np.testing.assert_array_equal(x[p, 20:30], 0)
        np.testing.assert_array_equal(x[p, 30:], np.tile(choice_vec, (20, 1)))


def test_answers_are_one_hot_and_among_offered_choices():
    y = task.answer_one_hot()
    for p, (_, choices, answer) in enumerate(HAND):
        expected = np.zeros(4)
        expected[DIR[answer]] = 1
        np.testing.assert_array_equal(y[p], expected)
        assert answer in choices


def test_durations_come_from_arguments():
    x = task.problem_templates(3, 0, 2)
    assert x.shape == (8, 5, 8)
    assert x[:, :3, :4].sum() == 8 * 3 and x[:, 3:, 4:].sum() == 8 * 2 * 2


def test_generate_sizes_ids_and_consistency():
    out = task.generate({"train": 300, "test": 100, "validation": 50}, 20, 10, 20, seed=1)
    templates, answers = task.problem_templates(20, 10, 20), task.answer_one_hot()
    for split, n in (("train", 300), ("test", 100), ("validation", 50)):
        d = out[split]
        assert d["inputs"].shape == (n, 50, 8) and d["labels"].shape == (n, 4)
        np.testing.assert_array_equal(d["inputs"], templates[d["maze_id"]])
        np.testing.assert_array_equal(d["labels"], answers[d["maze_id"]])
        # the random task keeps the label counts but breaks the problem -> label mapping
        np.testing.assert_array_equal(d["shuffled_labels"].sum(0), d["labels"].sum(0))
    assert not np.array_equal(out["train"]["shuffled_labels"], out["train"]["labels"])
    assert set(np.unique(out["train"]["maze_id"])) == set(range(8))


def test_generate_is_seeded():
    a = task.generate({"train": 50}, 20, 10, 20, seed=3)
    b = task.generate({"train": 50}, 20, 10, 20, seed=3)
    c = task.generate({"train": 50}, 20, 10, 20, seed=4)
    np.testing.assert_array_equal(a["train"]["maze_id"], b["train"]["maze_id"])
    assert not np.array_equal(a["train"]["maze_id"], c["train"]["maze_id"])


def test_problems_are_drawn_uniformly():
    ids = task.draw_problems(80_000, np.random.default_rng(0))
    counts = np.bincount(ids, minlength=8)
    assert np.all(np.abs(counts / 10_000 - 1) < 0.05)


def test_bad_sizes_are_named():
    with pytest.raises(ValueError, match="goal_steps"):
        task.problem_templates(-1, 10, 20)
    with pytest.raises(ValueError, match="positive integer"):
        task.generate({"train": 0}, 20, 10, 20, seed=0)


def test_choice_pair_codes_are_canonical():
    codes = task.choice_pair_code()
    # problems 1 and 3 both offer r,d; 0 and 4 both u,l; 6 and 7 both l,r
    assert codes[1] == codes[3] and codes[0] == codes[4] and codes[6] == codes[7]
    assert len(set(codes)) == 5


# -- the task interface ----------------------------------------------------------------------------

SIZES = {"train": 64, "test": 32, "validation": 32}


@pytest.mark.parametrize("name, key", [("maze", "labels"), ("random", "shuffled_labels")])
def test_maze_and_random_task_through_the_interface_are_todays_data_bit_for_bit(name, key):
    dataset = {"goal_steps": 3, "delay_steps": 2, "choice_steps": 4}
    t = task.make_task(name, dataset)
    assert (t.n_inputs, t.n_outputs, t.n_steps, t.last_step_only) == (8, 4, 9, True)
    ours = t.generate(SIZES, seed=11)
    today = task.generate(SIZES, 3, 2, 4, seed=11)
    assert list(ours) == list(today)
    for split, trials in ours.items():
        n = SIZES[split]
        assert trials.inputs.tobytes() == today[split]["inputs"].tobytes()
        assert trials.targets.shape == (n, 9, 4) and trials.mask.shape == (n, 9)
        assert trials.targets[:, -1].tobytes() == today[split][key].tobytes()
        assert not trials.targets[:, :-1].any()
        assert trials.mask[:, -1].all() and not trials.mask[:, :-1].any()
        np.testing.assert_array_equal(trials.decision, trials.mask.astype(bool))
        maze = today[split]["maze_id"]
        np.testing.assert_array_equal(trials.conditions["maze_id"], maze)
        for p in range(8):  # the hand-written problems
            rows = maze == p
            assert np.all(trials.conditions["goal"][rows] == sorted(GOAL_INPUT).index(HAND[p][0]))
            assert np.all(trials.conditions["correct_choice"][rows] == DIR[HAND[p][2]])
    with pytest.raises(ValueError, match="unknown task 'neuro'"):
        task.make_task("neuro", dataset)
