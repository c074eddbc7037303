"""Partners pushing changes to Maillage: their inbox secrets, the signed inbox, the forwarder."""
