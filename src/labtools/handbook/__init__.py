"""The verified handbook: execute tutorials in a hermetic sandbox, stamp them, feed mkdocs."""
