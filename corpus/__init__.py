"""The bundled decisions: one ``.txt`` per decision with its ``.yaml`` sidecar (package data, so a wheel has them)."""
