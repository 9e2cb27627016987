"""The project's own load harness: a fast local upstream, closed- and open-loop load, CPU
and memory of a process tree, a table and JSON. Stdlib only; Linux (/proc)."""
