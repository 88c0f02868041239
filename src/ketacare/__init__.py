"""ketacare: runs a ketamine-therapy practice end to end."""
