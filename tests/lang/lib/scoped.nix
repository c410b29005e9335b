foo + bar
