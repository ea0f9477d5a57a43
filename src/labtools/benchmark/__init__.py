"""The benchmark harness: pure statistics, contestants, and the interleaved runner."""
