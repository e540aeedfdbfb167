import NetGPTCore
print("netgptd: not implemented yet")
