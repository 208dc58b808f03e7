"""The live state of the contact center, in memory, fed by the writer's commits."""
