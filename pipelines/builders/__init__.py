"""Image builders: buildah (daemonless), docker (the Docker SDK against an engine), Cloud Build
(no local engine needed) and demo (simulated, for the embedded cluster). Each one builds an
`ImageSpec` into a local reference and knows how to push what it built; which one runs is
decided in pipelines.build.
"""
