#!/usr/bin/env node
import { main } from '@ledgerport/cli'

// Every built-in plugin is a dependency of this package, so plugins resolve from here.
process.exitCode = await main(process.argv, undefined, { importer: (specifier) => import(specifier) })
