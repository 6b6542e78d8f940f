// Entry point of the simulator executable; the fleet itself is built in its own issue.
Console.WriteLine("HikFleet.Simulator: not built yet");
