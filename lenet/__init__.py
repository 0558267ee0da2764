"""LeNet-5 from its maths: NumPy + numba, no deep-learning framework."""

__version__ = "0.1.0"
