"""sernn: spatially embedded recurrent neural networks, trained and analysed at population scale."""

__version__ = "0.1.0"
