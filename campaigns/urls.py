app_name = "campaigns"

urlpatterns: list = []  # campaign pages arrive with issue 4
