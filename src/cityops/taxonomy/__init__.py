"""City-management event and component classes (GB/T 30428.2 style), extensible per city."""
