"""Security planning for elections: TPS risk and its overrides, personnel per Polres/Polsek, patrol
sectors and routes (straight line, land, road network), the security data files.
"""
