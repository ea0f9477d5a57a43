"""Jupyter in a Slurm batch job, reached from a laptop through the login node.

``labtools jupyter remote HOST --slurm`` submits a job whose script starts jupyter_server on
a compute node, waits until it answers, and tunnels laptop -> login node -> compute node.
"""
