// Command mnistcnn takes MNIST to a model that runs on a microcontroller:
// it trains the reference CNN, converts it to float32 and int8 TFLite
// models and source arrays, and evaluates them with its own interpreter.
package main

import (
	"os"

	"github.com/mnistcnn/mnistcnn/cmd"
)

func main() {
	os.Exit(cmd.Execute(os.Args[1:], os.Stdout, os.Stderr))
}
