"""Writing files safely: atomic writes, the glassnet file container and networks inside it."""
