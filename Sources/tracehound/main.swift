print("tracehound")
