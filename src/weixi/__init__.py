"""weixi (维系): customer retention and service assurance for telecom operators."""

__version__ = "0.1.0"
