"""`coach bench`: how fast the coach is on this machine, against stated targets."""
