"""The generated access matrix: every operation of every unit, replayed as every persona."""
