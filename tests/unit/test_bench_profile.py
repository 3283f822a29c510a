"""The profile note's sorting of py-spy samples (bench/profile.py): the deepest frame that
names a part decides, so a JSON decode inside the upstream call counts as decoding."""

from __future__ import annotations

from bench.profile import IDLE_LOOP, OTHER, part_of, tally

REQUEST = "ThreadWorker.handle (g.py:1);Flask.__call__ (flask/app.py:2)"
VIEW = REQUEST + ";Flask.full_dispatch_request (f:1);Flask.dispatch_request (f:2);show (b.py:3)"


def test_the_deepest_marked_frame_decides() -> None:
    upstream = VIEW + ";Transport.call (t.py:4);Session.request (r.py:5)"
    assert part_of(upstream) == "upstream call (client side)"
    assert part_of(upstream + ";loads (json/__init__.py:1);decode (json/decoder.py:2)") == (
        "JSON decoding"
    )
    assert part_of(VIEW + ";render_template (flask/templating.py:1)") == "rendering (Jinja)"
    assert part_of(VIEW + ";PropertyPath.child (paths.py:9)") == OTHER
    hooks = REQUEST + ";Flask.full_dispatch_request (f:1);Flask.preprocess_request (f:3)"
    assert part_of(hooks) == "before-request hooks"
    assert part_of(hooks + ";Sessions.open_session (i.py:1)") == "session load and save"
    assert part_of("ThreadWorker.run (g.py:1);ThreadWorker.wait_for_and_dispatch_events (g:2)") == (
        IDLE_LOOP
    )


def test_tally_adds_the_counts_of_each_part_and_skips_other_lines() -> None:
    lines = [VIEW + ";render_template (x:1) 7\n", VIEW + ";render_template (x:2) 3\n", "junk\n"]
    assert tally(lines) == {"rendering (Jinja)": 10}
