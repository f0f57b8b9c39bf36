"""The scheduler process: one leader runs the jobs; other instances wait to take over."""
