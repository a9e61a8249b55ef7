"""Which projects serve which needs and recommendations; where assistance lacks or piles up."""
