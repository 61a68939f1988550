"""A snapshot of the deploy screen mid-rollout of a blue-green deploy: build, push and render
done, green rolling out at 50% with kubectl's messages, blue's old pods and green's new ones,
the colour panel. Deterministic: the job runs on the test's clock, the app and the world on
a ManualClock with seeded names, the header's server address is pinned and the deploy
stage's indeterminate bar does not animate. Update with `--snapshot-update` after checking
the SVG by eye."""

from __future__ import annotations

from deploy_screen_support import (
    Clock,
    Script,
    bluegreen_mid_rollout,
    bluegreen_to_rollout,
    scripted_job,
)
from tui_support import build_app, wait_for, wait_view

from tui.screens.deploy import DeployScreen

SIZE = (120, 40)
STABLE_SERVER = "http://127.0.0.1:6443"


def test_deploy_screen_mid_rollout(snap_compare, demo_world, tmp_path):
    bluegreen_mid_rollout(demo_world.cluster)
    app = build_app(demo_world, probe_seconds=0)
    app.animation_level = "none"
    script = Script(Clock(), bluegreen_to_rollout(), strategy="bluegreen")
    job = scripted_job(tmp_path, demo_world, script, strategy="bluegreen")

    async def ready(pilot):
        await wait_view(pilot, app, "pods", rows=1)
        app.session.conn.server = STABLE_SERVER
        app.session_changed()
        job.start()
        screen = DeployScreen(job)
        await app.push_screen(screen)

        def settled() -> bool:
            rollout = screen.board.row("rollout")
            log = screen.output.log_view
            return (rollout is not None and rollout.fraction == 0.5
                    and "keeps serving blue" in screen.output.log_text()
                    and len(screen.pods_rows()) == 4 and screen.colors is not None
                    # autoscroll reaches the end after a refresh: snapshot it there
                    and log.max_scroll_y > 0 and log.scroll_y == log.max_scroll_y)

        await wait_for(pilot, settled, what="the rollout at 50% with pods and colours")
        await pilot.pause()

    try:
        assert snap_compare(app, terminal_size=SIZE, run_before=ready)
    finally:
        script.release()
        job.wait(30)
        app.session.close()
