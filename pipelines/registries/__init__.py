"""Where images go: any OCI registry (credentials from the docker config and its helpers),
Artifact Registry (a Google access token, the repository created when missing), minikube
(loaded into the cluster's runtime, no push) and the demo registry of the embedded cluster.
Which one is used follows `registry` in kubedeck.yaml; see pipelines.push.
"""
