print("tracehound-collector")
