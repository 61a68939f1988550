"""Google Cloud through Google's client libraries (REST transport), with ADC only.

Entry points for the explorer and the pipelines (all blocking; run them in threads):
- `context.cloud_context(config)` -> CloudContext (credentials, endpoints, default project);
- `gke.list_clusters`, `gke.get_cluster`, `gke.connect` -> a kubedeck Connection;
- `artifacts.list_repositories`, `list_images`, `list_tags`, `ensure_repository`,
  `registry_login`;
- `cloudbuild.build` -> BuildResult with the pushed digest.

Nothing here is imported by `kubedeck get` unless `--gke` is given.
"""
