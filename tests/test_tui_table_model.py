"""TableModel: sorting, filters, marks and the selection across change batches."""

from __future__ import annotations

from typing import Any

from table_support import NOW, pod, ts

from kubedeck.kube import decode as d
from kubedeck.kube.changes import ChangeBatch
from tui.row_status import COMPLETED, FAILING, OK, PENDING, pod_class
from tui.table_model import Filter, TableModel


def model(*records: Any, all_namespaces: bool = False, **kw: Any) -> TableModel:
    m = TableModel("", "Pod", namespaced=True, all_namespaces=all_namespaces,
                   now=lambda: NOW, **kw)
    m.apply(ChangeBatch(added={r.metadata.uid: r for r in records}))
    return m


def names(m: TableModel) -> list[str]:
    return [r.name for r in m.rows()]


def test_columns_are_kubectl_pod_columns_with_namespace_first_for_all_namespaces():
    m = model(pod("a"), all_namespaces=True)
    assert m.headers() == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    m.wide = True
    assert m.headers()[-4:] == ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]
    assert list(m.table_rows())[0][:6] == ["shop", "a", "1/1", "Running", "0", "60s"]
    assert model(pod("a")).headers()[0] == "NAME"


def test_default_order_is_by_name_and_sorting_again_flips():
    m = model(pod("b"), pod("c"), pod("a"))
    assert names(m) == ["a", "b", "c"]
    m.sort_by(m.column_index("NAME"))
    assert m.descending and names(m) == ["c", "b", "a"]
    m.sort_by(m.column_index("NAME"))
    assert names(m) == ["a", "b", "c"]


def test_age_sorts_by_time_not_text():
    # "9m" > "10m" as text; by time 9 minutes is younger
    m = model(pod("old", age=600), pod("young", age=540), pod("oldest", age=7200))
    assert m.sort_by_header("AGE")
    assert names(m) == ["young", "old", "oldest"]
    assert [r[-1] for r in m.table_rows()] == ["9m", "10m", "120m"]


def test_restarts_sort_numerically_and_ties_by_name():
    m = model(pod("a", restarts=10), pod("b", restarts=9), pod("c", restarts=9),
              pod("d", restarts=100))
    m.sort_by_header("RESTARTS")
    assert names(m) == ["b", "c", "a", "d"]
    m.sort_by_header("RESTARTS")
    assert names(m) == ["d", "a", "c", "b"]


def test_sort_step_walks_the_visible_columns():
    m = model(pod("a"))
    m.sort_step(1)
    assert m.columns[m.sort_column].header == "READY"
    m.sort_step(-1)
    m.sort_step(-1)
    assert m.columns[m.sort_column].header == "AGE"
    assert m.sort_by_header("IP") and m.columns[m.sort_column].header == "IP"
    assert not m.sort_by_header("NOPE")


def test_status_classes():
    m = model(pod("crash", waiting="CrashLoopBackOff"), pod("creating", waiting="ContainerCreating"),
              pod("done", phase="Succeeded", ready=False, terminated="Completed"), pod("fine"),
              pod("unready", ready=False))
    by_name = {r.name: r.status for r in m.rows()}
    assert by_name["crash"] == FAILING
    assert by_name["creating"] == PENDING
    assert by_name["unready"] == PENDING
    assert by_name["fine"] == OK
    assert by_name["done"] == COMPLETED


def test_pod_status_texts():
    assert pod_class("Init:0/2", "0/1") == PENDING
    assert pod_class("Init:CrashLoopBackOff", "0/1") == FAILING
    assert pod_class("OOMKilled", "0/1") == FAILING
    assert pod_class("ExitCode:137", "0/1") == FAILING
    assert pod_class("Terminating", "1/1") == PENDING
    assert pod_class("Completed", "0/1") == COMPLETED
    assert pod_class("Running", "2/2") == OK


def test_regex_filter_is_case_insensitive_and_over_all_cells():
    m = model(pod("web-1"), pod("web-2", waiting="ImagePullBackOff"), pod("db-1"))
    assert m.set_filter("WEB") is None
    assert names(m) == ["web-1", "web-2"]
    m.set_filter("imagepull")
    assert names(m) == ["web-2"]
    m.set_filter("^db|-2$")  # anchors apply to each cell
    assert names(m) == ["db-1", "web-2"]
    m.set_filter("^b-1")
    assert names(m) == []
    m.set_filter("^shop$")  # the namespace is searched even when its column is hidden
    assert len(m) == 3
    m.set_filter("")
    assert len(m) == 3


def test_inverse_filter():
    m = model(pod("web-1"), pod("web-2"), pod("db-1"))
    m.set_filter("!web")
    assert names(m) == ["db-1"]


def test_invalid_regex_is_matched_literally_with_a_notice():
    m = model(pod("a-(x"), pod("b"))
    notice = m.set_filter("(x")
    assert notice is not None and "literally" in notice
    assert names(m) == ["a-(x"]


def test_fuzzy_filter_is_a_subsequence_of_the_name_ranked_by_tightness():
    m = model(pod("payments-api"), pod("pay"), pod("p-a-y-x"), pod("web"))
    m.set_filter("-f pay")
    assert names(m) == ["pay", "payments-api", "p-a-y-x"]
    assert Filter.parse("-l app=web") == Filter("labels", "app=web")


def test_errors_only_combines_with_the_text_filter():
    m = model(pod("web-1", waiting="CrashLoopBackOff"), pod("web-2"), pod("db", waiting="Error"))
    m.set_errors_only(True)
    assert names(m) == ["db", "web-1"]
    m.set_filter("web")
    assert names(m) == ["web-1"]
    m.set_errors_only(False)
    assert names(m) == ["web-1", "web-2"]


def test_marks_survive_resorts_and_deletes_drop_them():
    a, b, c = pod("a", restarts=3), pod("b", restarts=1), pod("c", restarts=2)
    m = model(a, b, c)
    m.toggle_mark(a.metadata.uid)
    m.toggle_mark(c.metadata.uid)
    m.sort_by_header("RESTARTS")
    assert [r.name for r in m.marked_rows()] == ["c", "a"]
    m.apply(ChangeBatch(deleted={c.metadata.uid: c}))
    assert m.marks == {a.metadata.uid}
    assert not m.toggle_mark(a.metadata.uid) and m.marks == set()


def test_selection_follows_the_uid_across_updates_that_reorder():
    a, b, c = pod("a", restarts=0), pod("b", restarts=1), pod("c", restarts=2)
    m = model(a, b, c)
    m.sort_by_header("RESTARTS")
    m.select(0)
    assert m.selected_row().name == "a"
    m.apply(ChangeBatch(updated={a.metadata.uid: pod("a", restarts=5, rv="2")}))
    assert names(m) == ["b", "c", "a"]
    assert m.selected_row().name == "a" and m.selected_index == 2
    assert m.selected_row().cells[3] == "5"


def test_selection_moves_to_the_neighbour_when_its_row_is_deleted():
    rows = [pod(n) for n in "abcde"]
    m = model(*rows)
    m.select(2)
    m.apply(ChangeBatch(deleted={rows[2].metadata.uid: rows[2]}))
    assert m.selected_row().name == "d"
    m.select(3)  # the last row, "e"
    m.apply(ChangeBatch(deleted={rows[4].metadata.uid: rows[4]}))
    assert m.selected_row().name == "d"


def test_added_rows_land_in_order_and_selection_stays():
    m = model(pod("b"), pod("d"))
    m.select(1)
    m.apply(ChangeBatch(added={"x": pod("a", uid="x"), "y": pod("c", uid="y")}))
    assert names(m) == ["a", "b", "c", "d"]
    assert m.selected_row().name == "d" and m.selected_index == 3


def test_incremental_updates_respect_the_filter_and_descending_order():
    m = model(*(pod(f"web-{i:02d}") for i in range(50)), *(pod(f"db-{i:02d}") for i in range(50)))
    m.set_filter("web-0")
    m.sort_by(m.column_index("NAME"))  # descending
    new = pod("web-05x", uid="n1")
    m.apply(ChangeBatch(added={"n1": new, "n2": pod("db-x", uid="n2")}))
    assert names(m)[:6] == ["web-09", "web-08", "web-07", "web-06", "web-05x", "web-05"]
    assert len(m) == 11
    m.apply(ChangeBatch(deleted={"n1": new}))
    assert len(m) == 10 and "web-05x" not in names(m)


def test_big_batches_resort_to_the_same_order_as_small_ones():
    recs = [pod(f"p{i:04d}", restarts=(i * 7) % 13) for i in range(400)]
    big = model(*recs)
    small = model()
    for r in recs:
        small.apply(ChangeBatch(added={r.metadata.uid: r}))
    for m in (big, small):
        m.sort_by_header("RESTARTS")
    assert names(big) == names(small)


def test_owner_scope_keeps_only_controlled_objects():
    m = model(pod("mine", owner="job-uid"), pod("other", owner="x"), pod("none"),
              owner_uid="job-uid")
    assert names(m) == ["mine"]


def test_kinds_without_columns_show_name_and_age():
    rec = d.convert(d.Record, {"metadata": {"name": "thing", "namespace": "ns", "uid": "u",
                                            "creationTimestamp": ts(120)}})
    m = TableModel("example.com", "Widget", namespaced=True, all_namespaces=True,
                   now=lambda: NOW)
    m.apply(ChangeBatch(added={"u": rec}))
    assert m.headers() == ["NAMESPACE", "NAME", "AGE"]
    assert list(m.table_rows()) == [["ns", "thing", "2m"]]


def test_typing_on_narrows_the_view_and_stays_consistent_with_updates():
    m = model(pod("web-1"), pod("web-2"), pod("db-1"), pod("wordpress"))
    m.set_filter("w")
    assert names(m) == ["web-1", "web-2", "wordpress"]
    m.apply(ChangeBatch(added={"n": pod("web-0", uid="n")}))
    m.set_filter("we")
    assert names(m) == ["web-0", "web-1", "web-2"]
    m.set_filter("web-2")
    assert names(m) == ["web-2"]
    m.set_filter("web-")  # deleting a character widens again
    assert names(m) == ["web-0", "web-1", "web-2"]
    m.set_filter("web-[12]")  # a regex after plain text is a full pass
    assert names(m) == ["web-1", "web-2"]


def test_events_sort_newest_first_by_default():
    def event(name: str, seconds_ago: float) -> object:
        return d.convert(d.Event, {"metadata": {"name": name, "namespace": "ns", "uid": name,
                                                "creationTimestamp": ts(seconds_ago)},
                                   "type": "Normal", "reason": "Pulled",
                                   "lastTimestamp": ts(seconds_ago)})

    m = TableModel("", "Event", namespaced=True, all_namespaces=True, now=lambda: NOW)
    m.apply(ChangeBatch(added={e.metadata.uid: e for e in
                               (event("old", 600), event("new", 5), event("mid", 60))}))
    assert m.columns[m.sort_column].header == "LAST SEEN"
    assert [r.name for r in m.rows()] == ["new", "mid", "old"]
