"""human2k: everything that turns foreground/alpha/background files into matting benchmark data.

Composition-1K, Distinctions-646 and Human-2K, composited exactly as the official DIM script
does; trimaps; foreground estimation; the Human-2K builder; a procedural dataset for demos.
"""

from human2k.errors import DatasetError, InputError, MattebenchError, ModelError, ResumeError

__all__ = ["DatasetError", "InputError", "MattebenchError", "ModelError", "ResumeError"]
