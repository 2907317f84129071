"""polis-seed: source documents in, Polis seed statements out."""

__version__ = "0.1.0"
