"""The Maillage gateway: the one public door in front of the four services."""
