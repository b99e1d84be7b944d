"""Plumbing the figures share: isolated environments, child processes, pseudo-terminals."""
