"""Forms by feature: campaigns and partners, material, activity."""
