document.getElementById("app")!.textContent = "collab";
