"""Environment specs: reading request files (environment.yml, and readers others register)."""
