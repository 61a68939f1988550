"""kubectl's output layouts: tabwriter alignment, decorations, -o name/json/yaml."""

from __future__ import annotations

from kubedeck.kube import printer


def test_tabwriter_alignment_like_kubectl():
    rows = [["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
            ["web-7d4b9c6f5-abcde", "1/1", "Running", "0", "5m"],
            ["db-0", "0/1", "CrashLoopBackOff", "7 (2m ago)", "3h"]]
    assert printer.format_rows(rows) == (
        "NAME                  READY   STATUS             RESTARTS     AGE\n"
        "web-7d4b9c6f5-abcde   1/1     Running            0            5m\n"
        "db-0                  0/1     CrashLoopBackOff   7 (2m ago)   3h\n")


def test_tabwriter_minimum_cell_width_is_six():
    # width = max(len + 3 padding, 6): a one-letter column still takes six characters
    assert printer.format_rows([["A", "B"], ["x", "y"]]) == "A     B\nx     y\n"
    assert printer.format_rows([]) == ""


def test_render_table_decorations():
    t = printer.Table(["Name", "Data", "Age"])
    t.add(["app-config", "2", "1d"], "web", {"tier": "fe", "app": "web"})
    t.add(["kube-root-ca.crt", "1", "9d"], "default", None)
    assert printer.render_table(t) == (
        "NAME               DATA   AGE\n"
        "app-config         2      1d\n"
        "kube-root-ca.crt   1      9d\n")
    assert printer.render_table(t, with_namespace=True, kind_prefix="configmap",
                                show_labels=True) == (
        "NAMESPACE   NAME                         DATA   AGE   LABELS\n"
        "web         configmap/app-config         2      1d    app=web,tier=fe\n"
        "default     configmap/kube-root-ca.crt   1      9d    <none>\n")
    assert printer.render_table(t, no_headers=True) == (
        "app-config         2     1d\n"
        "kube-root-ca.crt   1     9d\n")
    assert printer.render_table(printer.Table(["Name"])) == ""


def test_name_prefix_and_cells():
    assert printer.name_prefix("Pod", "") == "pod"
    assert printer.name_prefix("Deployment", "apps") == "deployment.apps"
    assert printer.name_prefix("Certificate", "demo.kubedeck.dev") == "certificate.demo.kubedeck.dev"
    assert printer.clean_cell(None) == ""
    assert printer.clean_cell(3) == "3"
    assert printer.clean_cell(True) == "true"
    assert printer.clean_cell("two\nlines") == "two..."


def test_json_like_go_marshal_indent():
    obj = {"metadata": {"name": "a&b", "labels": {}}, "apiVersion": "v1", "spec": {"x": [1, "<y>"]}}
    assert printer.to_json(obj) == (
        '{\n'
        '    "apiVersion": "v1",\n'
        '    "metadata": {\n'
        '        "labels": {},\n'
        '        "name": "a\\u0026b"\n'
        '    },\n'
        '    "spec": {\n'
        '        "x": [\n'
        '            1,\n'
        '            "\\u003cy\\u003e"\n'
        '        ]\n'
        '    }\n'
        '}\n')


def test_yaml_like_kubectl():
    obj = printer.as_list([{
        "kind": "Pod", "apiVersion": "v1",
        "metadata": {"name": "web", "creationTimestamp": "2026-01-01T00:00:00Z",
                     "labels": {"enabled": "true", "count": "3", "empty": "", "plain": "x"},
                     "annotations": {"script": "line1\nline2\n"}},
        "spec": {"containers": [{"name": "c", "args": ["-c", "y"], "ports": []}]},
        "status": {"ready": True, "restarts": 0, "ip": None},
    }])
    assert printer.to_yaml(obj) == (
        'apiVersion: v1\n'
        'items:\n'
        '- apiVersion: v1\n'
        '  kind: Pod\n'
        '  metadata:\n'
        '    annotations:\n'
        '      script: |\n'
        '        line1\n'
        '        line2\n'
        '    creationTimestamp: "2026-01-01T00:00:00Z"\n'
        '    labels:\n'
        '      count: "3"\n'
        '      empty: ""\n'
        '      enabled: "true"\n'
        '      plain: x\n'
        '    name: web\n'
        '  spec:\n'
        '    containers:\n'
        '    - args:\n'
        '      - -c\n'
        '      - "y"\n'
        '      name: c\n'
        '      ports: []\n'
        '  status:\n'
        '    ip: null\n'
        '    ready: true\n'
        '    restarts: 0\n'
        'kind: List\n'
        'metadata:\n'
        '  resourceVersion: ""\n')
