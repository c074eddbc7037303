"""The observatory: indicators across waves and the public page that shows them."""
