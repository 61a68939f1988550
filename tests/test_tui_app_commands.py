"""Command mode: `:` completion, kinds by any name (a CRD too), namespaces, -A, -l, unknown
kinds, history `[` `]`, built-ins."""

from __future__ import annotations

import pytest
from tui_support import column, screen_text, wait_for, wait_view

from tui.commands import CommandError, History, complete, parse


async def type_command(pilot, text: str) -> None:
    await pilot.press("colon", *list(text), "enter")


@pytest.mark.asyncio
async def test_completion_suggests_and_tab_completes(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, demo_app, "pods")
        await pilot.press("colon", "d", "e")
        prompt = demo_app.screen.query_one("CommandInput")
        await wait_for(pilot, lambda: prompt._suggestion == "deploy", what="suggestion")
        await pilot.press("tab")
        assert prompt.value == "deploy"
        await pilot.press("enter")
        screen = await wait_view(pilot, demo_app, "deployments")
        assert "legacy-api" in column(screen)


@pytest.mark.asyncio
async def test_namespace_completion_in_the_prompt(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, demo_app, "pods")
        await pilot.press("colon", *"po kube-s")
        prompt = demo_app.screen.query_one("CommandInput")
        await wait_for(pilot, lambda: prompt._suggestion == "po kube-system",
                       what="the namespace suggestion")
        await pilot.press("tab", "enter")
        screen = await wait_view(pilot, demo_app, "pods", rows=2)
        assert screen.namespace == "kube-system"
        await pilot.press("colon", *"ctx kube")
        prompt = demo_app.screen.query_one("CommandInput")
        await wait_for(pilot, lambda: prompt._suggestion == "ctx kubedeck-demo",
                       what="the context suggestion")


@pytest.mark.parametrize(("typed", "kind"), [
    ("po", "pods"), ("pod", "pods"), ("Pod", "pods"), ("deploy", "deployments"),
    ("deployments.apps", "deployments"), ("svc", "services"), ("cj", "cronjobs"),
    ("cert", "certificates"), ("certificates.demo.kubedeck.dev", "certificates"),
])
@pytest.mark.asyncio
async def test_kinds_by_any_name(demo_app, typed, kind):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, demo_app, "pods")
        await type_command(pilot, f"{typed} -A")
        screen = await wait_view(pilot, demo_app, kind)
        assert demo_app.views() == [screen]  # a command replaces the stack
        assert f"<{kind}>" in screen_text(demo_app)


@pytest.mark.asyncio
async def test_namespace_argument_switches_namespace(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, demo_app, "pods")
        await type_command(pilot, "po kube-system")
        screen = await wait_view(pilot, demo_app, "pods", rows=2)
        assert screen.namespace == "kube-system" == demo_app.session.namespace
        names = column(screen)
        assert any(n.startswith("coredns-") for n in names)
        assert not any(n.startswith("legacy-api") for n in names)
        assert "Namespace: kube-system" in screen_text(demo_app)


@pytest.mark.asyncio
async def test_label_selector_across_namespaces(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, demo_app, "pods")
        await type_command(pilot, "po -A -l k8s-app=kube-proxy")
        screen = await wait_view(pilot, demo_app, "pods", rows=3)
        assert screen.label_selector == "k8s-app=kube-proxy"
        assert screen.namespace is None
        names = column(screen)
        assert len(names) == 3 and all(n.startswith("kube-proxy-") for n in names)


@pytest.mark.asyncio
async def test_unknown_kind_flashes_and_keeps_view(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        before = await wait_view(pilot, demo_app, "pods")
        await type_command(pilot, "foo")
        await wait_for(pilot, lambda: "unknown resource" in demo_app.flash_message[0])
        assert demo_app.flash_message == ('unknown resource "foo" (try :aliases)', "error")
        assert demo_app.screen is before
        assert 'unknown resource "foo" (try :aliases)' in screen_text(demo_app)


@pytest.mark.asyncio
async def test_history_walks_back_and_forward(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, demo_app, "pods")
        await type_command(pilot, "deploy -A")
        await wait_view(pilot, demo_app, "deployments")
        await type_command(pilot, "svc -A")
        await wait_view(pilot, demo_app, "services")
        await pilot.press("left_square_bracket")
        await wait_view(pilot, demo_app, "deployments")
        await pilot.press("left_square_bracket")
        await wait_view(pilot, demo_app, "pods")
        await pilot.press("right_square_bracket")
        await wait_view(pilot, demo_app, "deployments")
        await pilot.press("right_square_bracket")
        await wait_view(pilot, demo_app, "services")


@pytest.mark.asyncio
async def test_escape_closes_prompt_without_running(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await wait_view(pilot, demo_app, "pods")
        await pilot.press("colon", "s", "v", "c", "escape")
        await pilot.pause()
        assert demo_app.screen is screen
        assert not demo_app.screen.query_one("CommandInput").has_class("-open")


@pytest.mark.asyncio
async def test_aliases_lists_crd_names(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, demo_app, "pods")
        await type_command(pilot, "aliases")
        await wait_for(pilot, lambda: demo_app.screen.crumb == "aliases")
        text = screen_text(demo_app)
        assert "certificates, certificate, cert, certs" in text
        assert "configmaps, configmap, cm" in text


@pytest.mark.asyncio
async def test_quit_command_exits(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, demo_app, "pods")
        await type_command(pilot, "q")
        await pilot.pause()
        assert not demo_app.is_running


# -- parsing without a terminal ------------------------------------------------------------

def test_parse_forms():
    assert parse("deploy").arg == "deploy"
    c = parse(":po kube-system")
    assert (c.verb, c.arg, c.namespace) == ("view", "po", "kube-system")
    c = parse("po -A -l app=web")
    assert c.all_namespaces and c.label_selector == "app=web" and c.namespace is None
    assert parse("po -lapp=web").label_selector == "app=web"
    assert parse("po all").all_namespaces
    assert parse("ctx prod").verb == "ctx" and parse("ctx prod").arg == "prod"
    assert parse("context").verb == "ctx"
    assert parse("ns").verb == "ns" and parse("q").verb == "quit" and parse("quit").verb == "quit"


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty command"), ("po -l", "needs a label selector"), ("po --bogus", "unknown flag"),
    ("po a b", 'unexpected "b"'), ("ctx a b", "at most one argument"), ('po "x', "bad command"),
])
def test_parse_errors(text, message):
    with pytest.raises(CommandError, match=message):
        parse(text)


def test_complete_prefers_shortest():
    names = ["deployments", "deploy", "deployment", "ds"]
    assert complete("de", names) == ["deploy", "deployment", "deployments"]
    assert complete("deploy", names) == ["deployment", "deployments"]
    assert complete("po x", names) == []


def test_complete_namespace_after_a_kind():
    names = ["po", "pods", "ns", "ctx"]
    spaces = ["kube-system", "kube-public", "default"]
    assert complete("po kube-", names, spaces) == ["po kube-public", "po kube-system"]
    assert complete("ns d", names, spaces) == ["ns default"]
    assert complete("ctx d", names, spaces) == []
    assert complete("ctx Pr", names, spaces, ["Prod-EU", "dev"]) == ["ctx Prod-EU"]
    assert complete("po -", names, spaces) == []
    assert complete("nope d", names, spaces) == []
    assert complete("po default x", names, spaces) == []


def test_history_truncates_forward_entries_on_a_new_command():
    h = History([])
    for text in ("po", "deploy", "svc"):
        h.record(text)
    assert h.back() == "deploy"
    h.record("cj")
    assert h.entries == ["po", "deploy", "cj"]
    assert h.forward() is None
    assert h.back() == "deploy" and h.back() == "po" and h.back() is None


@pytest.mark.asyncio
async def test_builtins_ns_pf_help(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await wait_view(pilot, demo_app, "pods")
        await type_command(pilot, "ns web")
        await wait_for(pilot, lambda: screen.namespace == "web" and screen.reflector is not None
                       and screen.model.total >= 3, what="web pods in the same view")
        assert demo_app.screen is screen and demo_app.session.namespace == "web"
        await type_command(pilot, "ns")
        await wait_view(pilot, demo_app, "namespaces", rows=5)
        await type_command(pilot, "pf")
        await wait_for(pilot, lambda: demo_app.screen.crumb == "port-forwards", what=":pf")
        await type_command(pilot, "help")
        await wait_for(pilot, lambda: demo_app.screen.crumb == "help", what=":help")
        assert [s.crumb for s in demo_app.views()] == ["port-forwards", "help"]


@pytest.mark.asyncio
async def test_keys_typed_right_after_colon_reach_the_prompt(demo_app):
    """A fast typist (or tmux send-keys) queues every key before the first is handled: none
    of them may reach the table underneath (`p`, `d`, `e` are actions there)."""
    from textual import events

    async with demo_app.run_test(size=(120, 40)) as pilot:
        before = await wait_view(pilot, demo_app, "pods")
        for key, char in (("colon", ":"), ("d", "d"), ("e", "e"), ("p", "p"), ("l", "l"),
                          ("o", "o"), ("y", "y")):
            demo_app.post_message(events.Key(key, char))
        await pilot.pause()
        prompt = before.query_one("CommandInput")
        assert prompt.value == "deploy"
        assert demo_app.screen is before
        await pilot.press("enter")
        await wait_view(pilot, demo_app, "deployments")


@pytest.mark.asyncio
async def test_keys_typed_right_after_slash_filter_instead_of_acting(demo_app):
    from textual import events

    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await wait_view(pilot, demo_app, "pods")
        for key, char in (("slash", "/"), ("r", "r"), ("e", "e"), ("d", "d"), ("i", "i"),
                          ("s", "s"), ("slash", "/")):
            demo_app.post_message(events.Key(key, char))
        await pilot.pause()
        assert demo_app.screen is screen
        assert screen.query_one("#table-filter").value == "redis/"
